"""The survey after the talk: students and guardians tell how it went, anonymously."""
