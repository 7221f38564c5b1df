using System.Net;

namespace WeChatAi.Core.WeChatPay;

/// <summary>What claims to come from WeChat Pay is not signed by it (missing, stale, wrong, unknown key, SIGTEST): never trust it.</summary>
public sealed class WeChatPaySignatureException : Exception
{
    public WeChatPaySignatureException()
    {
    }

    public WeChatPaySignatureException(string message)
        : base(message)
    {
    }

    public WeChatPaySignatureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A signed message we cannot read: bad JSON, missing fields, a resource that does not decrypt.</summary>
public sealed class WeChatPayProtocolException : Exception
{
    public WeChatPayProtocolException()
    {
    }

    public WeChatPayProtocolException(string message)
        : base(message)
    {
    }

    public WeChatPayProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>WeChat Pay answered with an error (<c>{"code","message"}</c>, e.g. 404 ORDER_NOT_EXIST, 403 ORDERPAID).</summary>
public sealed class WeChatPayApiException : Exception
{
    public WeChatPayApiException()
    {
    }

    public WeChatPayApiException(string message)
        : base(message)
    {
    }

    public WeChatPayApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WeChatPayApiException(HttpStatusCode statusCode, string? code, string? detail, bool verified)
        : base($"WeChat Pay answered {(int)statusCode} {code}: {detail}")
    {
        StatusCode = statusCode;
        Code = code;
        Detail = detail;
        Verified = verified;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>WeChat Pay's error code (ORDER_NOT_EXIST, ORDERPAID, ORDER_CLOSED, NOT_ENOUGH, SYSTEM_ERROR…).</summary>
    public string? Code { get; }

    public string? Detail { get; }

    /// <summary>The error carried a valid WeChat Pay signature; act on its code (e.g. ORDER_NOT_EXIST) only then.</summary>
    public bool Verified { get; }
}

/// <summary>WeChat Pay could not be reached or did not answer in time; the outcome of the call is unknown, retry or query.</summary>
public sealed class WeChatPayTransportException : Exception
{
    public WeChatPayTransportException()
    {
    }

    public WeChatPayTransportException(string message)
        : base(message)
    {
    }

    public WeChatPayTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
