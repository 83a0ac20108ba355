"""Development talks (utvecklingssamtal): periods, slots, bookings and talk records."""
