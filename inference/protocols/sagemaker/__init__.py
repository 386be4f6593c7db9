"""SageMaker's built-in XGBoost container contract: ``POST /invocations`` requests and answers."""
