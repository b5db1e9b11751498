"""What a landing-zone sensor tick decides, as plain functions the platform's sensor calls."""
