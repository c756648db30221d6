"""The background worker: the tasks the capabilities register and the loop that runs them."""
