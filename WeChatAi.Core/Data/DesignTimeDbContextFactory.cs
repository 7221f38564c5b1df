using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WeChatAi.Core.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<WeChatDbContext>
{
    public WeChatDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql("Host=localhost;Database=wechatdb").Options);
}
