"""flatten_errors: marshmallow's nested messages become {"field.sub": [message, ...]}."""

from __future__ import annotations

from flask_babel import lazy_gettext

from exchange.http.problems import flatten_errors


def test_flat_messages_keep_their_field_names():
    messages = {"email": ["Not a valid email address."], "region": ["Too long."]}
    assert flatten_errors(messages) == messages


def test_nested_fields_are_joined_with_dots():
    messages = {"contact": {"phone": ["Too long."], "address": {"city": ["Required."]}}}
    assert flatten_errors(messages) == {
        "contact.phone": ["Too long."],
        "contact.address.city": ["Required."],
    }


def test_list_items_are_numbered():
    messages = {"roles": {0: ["Unknown role."], 2: ["Unknown role."]}}
    assert flatten_errors(messages) == {"roles.0": ["Unknown role."], "roles.2": ["Unknown role."]}


def test_list_of_nested_objects_is_numbered_then_named():
    messages = {"items": [{"name": ["Required."]}, {"price": ["Not a decimal."]}]}
    assert flatten_errors(messages) == {
        "items.0.name": ["Required."],
        "items.1.price": ["Not a decimal."],
    }


def test_top_level_list_is_a_schema_error():
    assert flatten_errors(["Invalid input type."]) == {"_schema": ["Invalid input type."]}


def test_schema_key_is_kept():
    assert flatten_errors({"_schema": ["Passwords differ."]}) == {"_schema": ["Passwords differ."]}


def test_single_message_becomes_a_list():
    assert flatten_errors({"roles": {0: "Unknown role."}}) == {"roles.0": ["Unknown role."]}


def test_lazy_messages_stay_on_their_field():
    messages = {"region": [lazy_gettext("Choose one of the listed regions.")]}
    assert flatten_errors(messages) == {"region": ["Choose one of the listed regions."]}


def test_empty_messages_flatten_to_nothing():
    assert flatten_errors({}) == {}
