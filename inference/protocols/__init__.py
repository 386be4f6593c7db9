"""What travels over the wire: request formats by media type, and the answers of each API the backends speak."""
