"""CDK stacks: TrainingStack and ServingStack compose constructs and grant access, nothing else."""
