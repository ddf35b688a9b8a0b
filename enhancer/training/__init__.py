"""Training the CycleGAN on unpaired poor and excellent cells."""
