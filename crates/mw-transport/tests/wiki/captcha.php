<?php
// Extra settings for the captcha test wiki (MW_TEST_ENV_CAPTCHA).
//
// ConfirmEdit's QuestyCaptcha asks one question on every account creation
// and, after one failed login from an address, on the next logins from it.
// The question and its answer are fixed here so that the tests can read
// them (MW_CAPTCHA_QUESTION / MW_CAPTCHA_ANSWER in the env file come from
// captcha-setup.sh, which prints these same strings).
wfLoadExtensions( [ 'ConfirmEdit', 'ConfirmEdit/QuestyCaptcha' ] );
$wgCaptchaClass = 'QuestyCaptcha';
$wgCaptchaQuestions = [ 'What is the name of this test wiki, in one word?' => 'TestWiki' ];
$wgCaptchaTriggers['createaccount'] = true;
$wgCaptchaTriggers['badlogin'] = true;
$wgCaptchaBadLoginAttempts = 1;
// The bad-login counter lives in the object cache: keep it in the database
// so that every php -S worker sees the same one.
$wgMainCacheType = CACHE_DB;
