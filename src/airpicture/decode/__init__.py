"""Stage: Mode S/ADS-B frames to positions, NOTAM text to restrictions. May import model and geo."""
