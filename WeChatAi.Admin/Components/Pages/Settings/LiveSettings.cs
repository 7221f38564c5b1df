namespace WeChatAi.Admin.Components.Pages.Settings;

/// <summary>The settings the API lets an operator change while it runs (<c>GET/PUT /api/admin/settings</c>), as the page groups them.</summary>
public static class LiveSettings
{
    public sealed record Setting(string Key, string Label, int Lines = 1);

    public sealed record Group(string Title, IReadOnlyList<Setting> Settings);

    public static readonly IReadOnlyList<Group> Groups =
    [
        new("回复文案 Reply texts",
        [
            new("WeChat:AckText", "思考中提示 Acknowledgement"),
            new("WeChat:WelcomeText", "关注欢迎语 Welcome", 3),
            new("WeChat:PassiveLateText", "超时提示 Late answer (passive mode)", 2),
            new("WeChat:BlockedUserText", "封禁用户提示 Blocked user", 2),
            new("Safety:BlockedQuestionText", "违规问题提示 Blocked question", 2),
            new("Safety:BlockedAnswerText", "违规回答替换 Blocked answer", 2),
        ]),
        new("合规 Compliance",
        [
            new("Compliance:AiLabel", "AI 标识 AI label"),
            new("Compliance:ModelName", "备案模型 Filed model"),
            new("Compliance:FilingNumber", "备案号 Filing number"),
            new("Compliance:UserAgreementUrl", "用户协议 User agreement URL"),
        ]),
        new("免费额度 Free quota",
        [
            new("Billing:FreeDailyMessages", "每日免费提问 Free questions per day"),
            new("Billing:OverQuotaText", "额度用完提示 Over quota ({free} = 每日免费次数; 购买链接自动附在后面)", 2),
        ]),
        new("人工客服 Handoff to a person",
        [
            new("Handoff:StartText", "转接提示 Session opened", 2),
            new("Handoff:WaitingText", "等待提示 While waiting (空 = 不回复)", 2),
            new("Handoff:EndText", "结束提示 Handed back", 2),
            new("Handoff:IdleText", "超时结束提示 Idle hand-back", 2),
            new("Handoff:ClosedText", "非工作时间提示 Outside opening hours", 2),
            new("Handoff:UnavailableText", "不支持人工提示 Account cannot push", 2),
        ]),
    ];
}
