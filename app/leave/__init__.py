"""Leave requests (ledighetsansökan): guardians apply, mentors and principals decide."""
