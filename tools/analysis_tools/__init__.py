"""Analysis tools: the LR finder and the speed benchmark."""
