"""From processed tables to a book: notebook execution, the cache, the HTML theme, sites and the PDF."""
