"""The landing job's pure parts: file discovery, parsing, validation, de-duplication, writing."""
