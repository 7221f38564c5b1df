using WeChatAi.Api.Operators;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The console's sign-in, on the admin group (the console calls it with its key and passes the browser's address in
/// <c>X-Forwarded-For</c>): <c>POST {admin}/sign-in</c> and <c>GET {admin}/sign-in/{name}</c> (<see cref="SignInApi"/>).
/// </summary>
public static class OperatorEndpoints
{
    public static TBuilder AddOperators<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton<AdminSignIn>();
        return builder;
    }

    public static RouteGroupBuilder MapOperatorEndpoints(this RouteGroupBuilder admin)
    {
        var signIn = admin.MapGroup("/sign-in");
        signIn.MapGet("/{name}", SignInApi.Operator).WithName("GetOperator");
        signIn.MapPost("/", SignInApi.SignInAsync).Accepts<SignInApi.SignInRequest>("application/json")
            .WithStoreOutage("Sign-in is unavailable (Redis or PostgreSQL does not answer); try again.").WithName("SignIn");
        return admin;
    }
}
