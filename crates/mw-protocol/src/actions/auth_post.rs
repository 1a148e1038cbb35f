//! The POSTs of the AuthManager modules (`clientlogin`, `createaccount`):
//! the first request of each and the continuations. The password and every
//! field are secrets: in the body, never shown by `Debug`.

use crate::{ActionRequest, Password, Token};

/// The continuation of an AuthManager module (`module`, with its
/// `continue_flag=1`) answering the fields its step asked for, and its
/// token as `token_param`. Field values are secrets: in the body, never
/// shown by `Debug`.
pub(crate) fn continue_request(
    module: &'static str,
    continue_flag: &'static str,
    token_param: &'static str,
    fields: &[(String, String)],
    token: &Token,
) -> ActionRequest {
    let req = ActionRequest::post(module).param(continue_flag, "1");
    with_fields(req, fields, token_param, token)
}

/// What differs between the first requests of the AuthManager modules.
pub(crate) struct Start {
    /// `clientlogin` or `createaccount`.
    pub module: &'static str,
    /// Where the server sends the user back (`loginreturnurl`, …).
    pub return_param: &'static str,
    /// Whether the password goes twice (`retype`: account creation).
    pub retype: bool,
    /// The token's parameter (`logintoken`, `createtoken`).
    pub token_param: &'static str,
}

impl Start {
    /// A client login.
    pub const LOGIN: Start = Start {
        module: "clientlogin",
        return_param: "loginreturnurl",
        retype: false,
        token_param: "logintoken",
    };

    /// An account creation.
    pub const CREATE: Start = Start {
        module: "createaccount",
        return_param: "createreturnurl",
        retype: true,
        token_param: "createtoken",
    };
}

impl Start {
    /// The first request of the module: the user name, the password
    /// (twice for `retype`), the other fields and the token. The password
    /// and every field are secrets: in the body, never shown by `Debug`.
    pub(crate) fn request(
        &self,
        username: &str,
        password: &Password,
        return_url: &str,
        fields: &[(String, String)],
        token: &Token,
    ) -> ActionRequest {
        let mut req = ActionRequest::post(self.module)
            .param(self.return_param, return_url)
            .param("username", username)
            .password("password", password.clone());
        if self.retype {
            req = req.password("retype", password.clone());
        }
        with_fields(req, fields, self.token_param, token)
    }
}

/// `req` with the `fields` a step answers (secrets: in the body, never
/// shown by `Debug`) and its token as `token_param`.
pub(crate) fn with_fields(
    mut req: ActionRequest,
    fields: &[(String, String)],
    token_param: &'static str,
    token: &Token,
) -> ActionRequest {
    for (name, value) in fields {
        req = req.password(name.as_str(), Password::new(value.as_str()));
    }
    req.token(token_param, token.clone())
}
