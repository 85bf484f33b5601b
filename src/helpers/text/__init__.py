"""Respondents' free text: redaction, qualitative summaries, safe escaping and wording checks."""
