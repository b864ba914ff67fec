"""CI/CD: which units a change touches (`affected`), the pipelines that plan, review, apply and watch them
(GitHub Actions, GitLab CI), code owners, and the one pull-request comment that sums a change up."""
