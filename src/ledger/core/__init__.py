"""The pure core: YAML text to data, data to problems, records to answers, text to text.

Nothing here touches the file system, git or a terminal."""
