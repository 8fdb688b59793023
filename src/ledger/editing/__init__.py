"""Recording and editing records: `add` (flags, documents, interviews), `edit`, `set`, evidence."""
