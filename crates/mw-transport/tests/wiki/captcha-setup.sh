#!/usr/bin/env bash
# Setup script of the captcha test wiki: prints the question and answer
# that captcha.php configures.
set -euo pipefail
echo "MW_CAPTCHA_QUESTION=What is the name of this test wiki, in one word?"
echo "MW_CAPTCHA_ANSWER=TestWiki"
