"""ChromoEnhancer's science as a plain library: image I/O, karyogram slicing, cells and
reassembly, the CycleGAN, inference, metrics and synthetic karyograms. No Django here."""
