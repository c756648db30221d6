"""What pages and the API share: request context, sign-in, problems, limits, headers, forms."""
