"""Stage: positions to tracks (segmentation, integrity flags). May import model and geo."""
