using Microsoft.EntityFrameworkCore;

namespace WeChatAi.Core.Data;

public static class TransactionExtensions
{
    /// <summary>Runs <paramref name="work"/> in a transaction under the execution strategy (a retry starts from a clean context).</summary>
    public static async Task<T> InTransactionAsync<T>(this WeChatDbContext db, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work().ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }
}
