namespace WeChatAi.Simulator.WeChatApi;

/// <summary>The errcodes of WeChat's API the simulator produces.</summary>
public static class WeChatErrors
{
    public const int Ok = 0;
    public const int InvalidCredential = 40001;
    public const int InvalidAppId = 40013;
    public const int InvalidAppSecret = 40125;
    public const int InvalidParameter = 44002;
    public const int ContentTooLong = 45002;
    public const int OutOfResponseTime = 45015;
    public const int ResponseCountLimit = 45047;
    public const int ForbiddenApi = 48001;
}
