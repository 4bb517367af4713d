"""speedtimer: a terminal interval timer for runners' speed training."""

__version__ = "0.1.0"
