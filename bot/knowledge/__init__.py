"""FAQ knowledge apart from the dialogue model: snapshots built, checked, published, pulled.

`build` makes a snapshot of a corpus (no Rasa, no training), `check` decides whether it may go
live, `store` keeps them and names the published one, `live` is a Rasa worker's copy of it,
`index` ranks questions over one. Imports the FAQ compiler and the embedder, never the web,
the store or Rasa's server (the command line, `commands`, writes the audit row).
"""
