"""Shared machinery: model base types, errors, the audit chain, storage and the access policy."""
