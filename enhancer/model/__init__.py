"""The CycleGAN: networks, checkpoints (safetensors + model card) and device selection."""
