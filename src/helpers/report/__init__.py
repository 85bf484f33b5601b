"""What the chapters print: tables and formatting, phrases, charts, figures and reader checks."""
