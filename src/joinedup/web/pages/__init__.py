"""The dashboard's pages, one module each. Each exports a function that builds its router."""
