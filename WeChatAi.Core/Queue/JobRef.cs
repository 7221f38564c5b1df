namespace WeChatAi.Core.Queue;

/// <summary>
/// How logs name a job: by WeChat's MsgId ("msg 24602925434621398"), never by its id, which carries the OpenID
/// (<see cref="AiJob.CreateJobId"/>). An operator finds the user and exchange by searching the console for that number.
/// </summary>
public static class JobRef
{
    /// <summary>"msg {MsgId}" from a job id <c>appId:openId:msgId</c> (a CLICK's CreateTime stands in for its MsgId).</summary>
    public static string Of(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return "msg " + jobId[(jobId.LastIndexOf(':') + 1)..];
    }
}
