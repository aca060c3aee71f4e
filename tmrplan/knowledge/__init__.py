"""The knowledge base: vocabulary, parsing, the indexed graph, validation, descriptions."""
