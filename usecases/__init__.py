"""Use cases: one function per thing a person does that joins several models with the adapters
(department systems, login channels, PII keys, push providers). Each takes what it uses as
arguments (never the API's `deps`), so a handler's one call shows every adapter involved.
The rules of a write live in the model that owns it; a use case only orders the steps."""
