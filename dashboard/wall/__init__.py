"""The wall display (一屏看全程): shared snapshot, figures and layout pieces."""
