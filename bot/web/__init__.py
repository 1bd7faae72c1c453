"""The web app: customer chat at `/`, agent console at `/agent`, content editor at `/content`."""
