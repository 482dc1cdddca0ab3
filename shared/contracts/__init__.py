"""Contracts: the marshmallow schemas every API and event is defined by, each exactly once."""
