"""The setup tools: `check` (does it hear the room), `check-phrase` (is a phrase a good
one), `tune` (thresholds from the couple's recordings) and `learn` (a phrase model for
their phrases). Each module holds its logic and its command."""
