"""Cases, their karyograms, and enhancement jobs with their cells."""
