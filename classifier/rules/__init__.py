"""The rules that run beside the model: red-flag triage, the literal prefilter that makes it fast,
and why an answer is out of scope. They read the package's rule data (``classifier/data``)."""
