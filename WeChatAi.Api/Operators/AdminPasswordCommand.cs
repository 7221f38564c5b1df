using System.Text;
using WeChatAi.Api.Admin;

namespace WeChatAi.Api.Operators;

/// <summary>
/// <c>dotnet run --project WeChatAi.Api -- hash-password</c>: reads a password from standard input (without echo at a
/// terminal) and prints its hash for <c>Admin:Users:{i}:PasswordHash</c>; the service does not start.
/// </summary>
public static class AdminPasswordCommand
{
    public const string Name = "hash-password";

    /// <returns>True when the arguments asked for the command (it ran; the process should exit).</returns>
    public static bool TryRun(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != Name)
        {
            return false;
        }

        var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden();
        if (password is null || password.Length < AdminOptions.MinimumPasswordLength)
        {
            Console.Error.WriteLine($"The password must be at least {AdminOptions.MinimumPasswordLength} characters.");
            Environment.ExitCode = 1;
            return true;
        }

        Console.Out.WriteLine(AdminPasswords.Hash(password));
        return true;
    }

    private static string ReadHidden()
    {
        Console.Error.Write("Password: ");
        var password = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                password.Length = Math.Max(0, password.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return password.ToString();
    }
}
