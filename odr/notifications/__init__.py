"""Notifications: one interface (operations.notify), three channels (in-app, e-mail, SMS).

See docs/notifications.md.
"""
