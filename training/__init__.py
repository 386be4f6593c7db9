"""Data preparation, hyperparameters and local training that writes SageMaker's XGBoost artifact format."""
