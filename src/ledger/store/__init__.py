"""Where records live: the file system (one walker, one write path), git, and the cache."""
