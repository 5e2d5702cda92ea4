"""Identity: real-name details of parties (resident ID numbers, validated, encrypted at rest and
shown masked) and one-time codes sent by SMS (phone verification, re-authentication)."""
