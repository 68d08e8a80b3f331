"""Progress views: the dashboard and targets, and the PDF reports."""
