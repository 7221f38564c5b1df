namespace WeChatAi.Core.WeChat;

/// <summary>The <c>errcode</c> values of WeChat's server API that this project acts on (worker) or produces (simulator).</summary>
public static class WeChatErrorCodes
{
    public const int Ok = 0;
    public const int InvalidCredential = 40001;
    public const int InvalidAppId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidAppSecret = 40125;
    public const int AccessTokenExpired = 42001;
    public const int InvalidParameter = 44002;
    public const int ContentTooLong = 45002;
    public const int ReplyTimeLimitExceeded = 45015;
    public const int TooManyMessages = 45047;
    public const int NoPermission = 48001;

    /// <summary>Typing refused: the user sent no message in the last 30 s.</summary>
    public const int TypingTooLate = 45080;

    /// <summary>Typing refused: it is still shown (15 s, until a message is sent).</summary>
    public const int AlreadyTyping = 45081;

    /// <summary>The access token was refused: read the shared one again, or refresh it.</summary>
    public static bool IsTokenError(int code) => code is InvalidCredential or InvalidAccessToken or AccessTokenExpired;
}
