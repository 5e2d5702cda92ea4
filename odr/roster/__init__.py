"""The mediator roster (issue 9 items 2 and 3): profiles, public pages of mediator studios
(个人调解工作室), a party's request for a particular or a different mediator (People's Mediation
Law Art. 23) decided by a clerk, and conflicts of interest detected from the profiles."""
