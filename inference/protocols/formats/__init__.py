"""One module per media type: how its request bodies become the model's matrix, and how answers are written in it."""
