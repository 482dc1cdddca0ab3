"""Intake's rules, pure: no nameko, RabbitMQ or MongoDB (tests/unit/test_layout.py checks)."""
