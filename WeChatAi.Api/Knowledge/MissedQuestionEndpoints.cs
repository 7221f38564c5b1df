using WeChatAi.Api.Knowledge;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary><c>{admin}/knowledge/missed</c>: <c>GET</c> the grouped questions, <c>POST /{id}/answer</c> (<see cref="MissedQuestionsApi"/>).</summary>
public static class MissedQuestionEndpoints
{
    public static RouteGroupBuilder MapMissedQuestionEndpoints(this RouteGroupBuilder admin)
    {
        var missed = admin.MapGroup("/knowledge/missed")
            .WithStoreOutage("The knowledge store (PostgreSQL) is unavailable; nothing was changed unless a later GET shows it.");
        missed.MapGet("/", MissedQuestionsApi.ListAsync).WithName("ListMissedQuestions");
        missed.MapPost("/{id:long}/answer", MissedQuestionsApi.AnswerAsync).Accepts<MissedAnswerRequest>("application/json").WithName("AnswerMissedQuestions");
        return admin;
    }
}
