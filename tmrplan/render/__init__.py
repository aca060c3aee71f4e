"""One document model rendered as text, Markdown and PDF; figures."""
